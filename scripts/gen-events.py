#!/usr/bin/env python3
"""Generates realistic EventStatusChanged events for the bulk-append benchmark.

Writes N NDJSON lines (SPEC section 2 envelope, one explicit uuid4 `eventId`
per line) and, optionally, the same rows as a PostgreSQL COPY text file
(position, stream, version, event_id, type, data, metadata) so that a plain
table can be loaded with exactly the rows that `mcledger append` stores.

Workload: transactional events on 3 execution instances (exec-01..03), mostly
real time, a few batch. Each event follows a lifecycle that is legal under
SPEC section 1; lifecycles of many events interleave (a pool of in-flight
events, one step at a time), as they would in a real feed. The file stops
after exactly N lines, so the last events may be cut short: a prefix of a
legal lifecycle is still legal.

Deterministic for a given --seed. Standard library only.

    gen-events.py --count 1000000 --ndjson events.ndjson --copy events.copy
"""

import argparse
import json
import random
import sys
import uuid

INSTANCES = ["exec-01", "exec-02", "exec-03"]

# (eventType, weight); channel picked separately.
EVENT_TYPES = [
    ("ORDER_CONFIRMATION", 30), ("SHIPPING_NOTIFICATION", 18), ("PASSWORD_RESET", 12),
    ("ACCOUNT_CREATION", 8), ("CART_ABANDONMENT", 10), ("PAYMENT_RECEIPT", 9),
    ("DELIVERY_UPDATE", 8), ("LOYALTY_POINTS", 5),
]
CHANNELS = [("email", 70), ("sms", 20), ("push", 10)]

# Lifecycles: the sequence of `to` statuses (each line one transition), with
# weights in per mille. Every sequence is legal from the absent state.
LIFECYCLES = [
    (("pending", "pendingDelivery", "sent"), 905),
    (("pending", "pending", "pendingDelivery", "sent"), 25),              # retried once
    (("pending", "pendingDelivery", "pending", "pendingDelivery", "sent"), 10),  # delivery retry
    (("pending", "pendingDelivery", "ignored"), 15),                       # e.g. quarantined address
    (("pending", "pendingDelivery", "deliveryFailed"), 15),
    (("pending", "notTakenIntoAccount"), 10),                              # no published template
    (("pending", "pending", "pending", "expired"), 5),                      # max tries reached
    (("pending", "pendingDelivery", "sent", "deliveryFailed"), 15),        # late bounce
]

REASONS = {
    ("pending", "pending"): "retry: delivery temporarily unavailable",
    ("pendingDelivery", "pending"): "retry: MTA timeout",
    ("pendingDelivery", "ignored"): "quarantined address",
    ("pendingDelivery", "deliveryFailed"): "hard bounce: user unknown",
    ("sent", "deliveryFailed"): "late bounce: mailbox full",
    ("pending", "notTakenIntoAccount"): "no published template for this event type",
    ("pending", "expired"): "maximum number of tries reached",
}


def weighted(rng, pairs):
    values = [v for v, _ in pairs]
    weights = [w for _, w in pairs]
    return lambda: rng.choices(values, weights)[0]


def copy_escape(text):
    """COPY text format: backslash, tab, newline and carriage return escaped."""
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", "-n", type=int, required=True, help="number of lines (events) to write")
    parser.add_argument("--ndjson", required=True, help="NDJSON output file ('-' for stdout)")
    parser.add_argument("--copy", help="COPY text output file (same rows, positions 1..N)")
    parser.add_argument("--seed", type=int, default=20241127)
    parser.add_argument("--in-flight", type=int, default=2000,
                        help="transactional events whose lifecycles interleave at any time")
    parser.add_argument("--batch-share", type=float, default=0.15, help="share of batch-queue events")
    args = parser.parse_args()

    rng = random.Random(args.seed)
    pick_type = weighted(rng, EVENT_TYPES)
    pick_channel = weighted(rng, CHANNELS)
    pick_lifecycle = weighted(rng, LIFECYCLES)
    next_number = {name: 0 for name in INSTANCES}

    def new_event():
        instance = rng.choice(INSTANCES)
        next_number[instance] += 1
        queue = "batch" if rng.random() < args.batch_share else "realtime"
        return {
            "instance": instance,
            "eventId": "e%07d" % next_number[instance],
            "queue": queue,
            "eventType": pick_type(),
            "channel": pick_channel(),
            "steps": pick_lifecycle(),
            "done": 0,
        }

    ndjson = sys.stdout if args.ndjson == "-" else open(args.ndjson, "w", encoding="utf-8", buffering=1 << 20)
    copy = open(args.copy, "w", encoding="utf-8", buffering=1 << 20) if args.copy else None

    pool = [new_event() for _ in range(args.in_flight)]
    dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
    for position in range(1, args.count + 1):
        slot = rng.randrange(len(pool))
        event = pool[slot]
        steps = event["steps"]
        step = event["done"]
        to = steps[step]
        data = {
            "instance": event["instance"],
            "eventId": event["eventId"],
            "queue": event["queue"],
            "to": to,
            "eventType": event["eventType"],
            "channel": event["channel"],
        }
        if step > 0:
            reason = REASONS.get((steps[step - 1], to))
            if reason:
                data["reason"] = reason
        event_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        data_text = dumps(data)
        ndjson.write('{"type":"EventStatusChanged","data":%s,"eventId":"%s"}\n' % (data_text, event_id))
        if copy is not None:
            prefix = "rtEvent" if event["queue"] == "realtime" else "batchEvent"
            stream = "%s-%s.%s" % (prefix, event["instance"], event["eventId"])
            # version = 1-based index of this line within the event's own stream
            copy.write("%d\t%s\t%d\t%s\tEventStatusChanged\t%s\t{}\n"
                       % (position, copy_escape(stream), step + 1, event_id, copy_escape(data_text)))
        event["done"] = step + 1
        if event["done"] == len(steps):
            pool[slot] = new_event()

    if ndjson is not sys.stdout:
        ndjson.close()
    if copy is not None:
        copy.close()


if __name__ == "__main__":
    main()
