#!/usr/bin/env python3
"""Clients and checker of scripts/crash-campaign.sh (Python standard library only).

run:   N threads append single domain events through `mcledger serve`, each
       with a client-generated eventId, and record every acknowledged one
       (id, position, stream) in ACKS. Every transactional event goes
       pending -> pendingDelivery -> sent, one append per transition, so its
       stream has versions 1..3. An append that is in doubt (503, connection
       refused or reset, timeout) is re-sent with the SAME eventId until it is
       acknowledged: a repeat is acknowledged with its original position.
       Runs until the file STOP exists, then finishes the append in hand
       (for at most --drain seconds) and writes its statistics to STATS.
check: compares ACKS with the ledger (`psql` output of the events table)
       and prints the verdict as JSON; exits 1 on any violation.
"""
import argparse
import http.client
import json
import os
import random
import socket
import sys
import threading
import time
import uuid


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.counts = {
            "attempts": 0, "acknowledged": 0, "acknowledged_as_repeat": 0, "retried": 0,
            "answered_503_commit_no": 0, "answered_503_commit_unknown": 0, "answered_503_other": 0,
            "connection_errors": 0, "timeouts": 0, "unexpected_answers": 0, "abandoned": 0,
        }
        self.unexpected = []

    def add(self, key, n=1):
        with self.lock:
            self.counts[key] += n


def event_body(instance, event_name, queue, to, event_id):
    return json.dumps({
        "type": "EventStatusChanged",
        "eventId": event_id,
        "data": {"instance": instance, "eventId": event_name, "queue": queue, "to": to,
                 "eventType": "ORDER_CONFIRMATION", "channel": "email"},
        "metadata": {"actor": "crash-campaign"},
    })


class Client:
    def __init__(self, args, index, stats, acks):
        self.args, self.index, self.stats, self.acks = args, index, stats, acks
        self.connection = None

    def connect(self):
        if self.connection is None:
            self.connection = http.client.HTTPConnection(self.args.host, self.args.port, timeout=self.args.timeout)
        return self.connection

    def drop(self):
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    def append_until_acknowledged(self, body, deadline):
        """Sends body (one event) until acknowledged; returns (position, repeat) or None if abandoned."""
        first = True
        while True:
            if not first:
                self.stats.add("retried")
                if time.monotonic() > deadline:
                    self.stats.add("abandoned")
                    return None
            first = False
            self.stats.add("attempts")
            try:
                connection = self.connect()
                connection.request("POST", "/v1/events", body=body, headers={
                    "Authorization": "Bearer " + self.args.token, "Content-Type": "application/json"})
                response = connection.getresponse()
                payload = response.read()
                status = response.status
                retry_after = response.getheader("Retry-After")
            except socket.timeout:
                self.stats.add("timeouts")
                self.drop()
                continue
            except (OSError, http.client.HTTPException):
                self.stats.add("connection_errors")
                self.drop()
                time.sleep(0.1 + random.random() * 0.2)
                continue
            if status in (200, 201):
                answer = json.loads(payload)
                item = answer["events"][0]
                return item["position"], item["duplicate"]
            if status == 503:
                try:
                    commit = json.loads(payload)["error"].get("commit")
                except (ValueError, KeyError, TypeError):
                    commit = None
                self.stats.add({"no": "answered_503_commit_no", "unknown": "answered_503_commit_unknown"}.get(commit, "answered_503_other"))
                pause = float(retry_after) if retry_after else 1.0
                time.sleep(min(pause, 1.0) * (0.5 + random.random() * 0.5))
                continue
            # Anything else (409, 422, 500, ...) is a finding: record it and stop this event.
            self.stats.add("unexpected_answers")
            with self.stats.lock:
                self.stats.unexpected.append({"status": status, "body": payload.decode("utf-8", "replace")[:500]})
            self.drop()
            return None

    def run(self):
        instance = "exec-%02d" % (self.index % 4 + 1)
        n = 0
        while not os.path.exists(self.args.stop):
            n += 1
            event_name = "c%d-e%d-%s" % (self.index, n, uuid.uuid4().hex[:8])
            queue = "realtime" if n % 3 else "batch"
            stream = ("rtEvent-" if queue == "realtime" else "batchEvent-") + instance + "." + event_name
            for to in ("pending", "pendingDelivery", "sent"):
                event_id = str(uuid.uuid4())
                # Once STOP exists, an append in hand is still driven to an answer, for a bounded time.
                deadline = float("inf")
                if os.path.exists(self.args.stop):
                    deadline = time.monotonic() + self.args.drain
                result = self.append_until_acknowledged(event_body(instance, event_name, queue, to, event_id), deadline)
                if result is None:
                    break
                position, repeat = result
                self.stats.add("acknowledged")
                if repeat:
                    self.stats.add("acknowledged_as_repeat")
                with self.acks_lock:
                    self.acks.write("%s %d %s\n" % (event_id, position, stream))
                    self.acks.flush()
                if os.path.exists(self.args.stop):
                    break


def run(args):
    stats = Stats()
    acks = open(args.acks, "a")
    lock = threading.Lock()
    threads = []
    for i in range(args.clients):
        client = Client(args, i, stats, acks)
        client.acks_lock = lock
        thread = threading.Thread(target=client.run, daemon=True)
        thread.start()
        threads.append(thread)
    for thread in threads:
        thread.join()
    acks.close()
    with open(args.stats, "w") as out:
        json.dump({"counts": stats.counts, "unexpected": stats.unexpected[:20]}, out)


def check(args):
    acknowledged = {}
    conflicting_acks = 0
    with open(args.acks) as f:
        for line in f:
            event_id, position, stream = line.split()
            position = int(position)
            if event_id in acknowledged and acknowledged[event_id][0] != position:
                conflicting_acks += 1
            acknowledged[event_id] = (position, stream)
    stored = {}
    rows = 0
    positions = []
    versions = {}
    with open(args.events) as f:
        for line in f:
            position, stream, version, event_id = line.rstrip("\n").split("\t")
            rows += 1
            positions.append(int(position))
            versions.setdefault(stream, []).append(int(version))
            stored.setdefault(event_id, []).append(int(position))
    lost = [i for i in acknowledged if i not in stored]
    duplicates = [i for i, p in stored.items() if len(p) > 1]
    moved = [i for i, (p, _) in acknowledged.items() if i in stored and stored[i][0] != p]
    positions.sort()
    position_gaps = sum(1 for i, p in enumerate(positions) if p != i + 1)
    version_gaps = sum(1 for v in versions.values() if sorted(v) != list(range(1, len(v) + 1)))
    unacknowledged_stored = sum(1 for i in stored if i not in acknowledged)
    verdict = {
        "acknowledged": len(acknowledged), "stored": rows, "head": positions[-1] if positions else 0,
        "lost": len(lost), "duplicates": len(duplicates), "acknowledged_at_other_position": len(moved),
        "conflicting_acknowledgements": conflicting_acks, "position_gaps": position_gaps,
        "streams": len(versions), "streams_with_version_gaps": version_gaps,
        "stored_never_acknowledged": unacknowledged_stored,
        "examples_lost": lost[:5], "examples_moved": moved[:5],
    }
    verdict["ok"] = not (lost or duplicates or moved or conflicting_acks or position_gaps or version_gaps)
    print(json.dumps(verdict))
    return 0 if verdict["ok"] else 1


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run")
    r.add_argument("--host", default="127.0.0.1")
    r.add_argument("--port", type=int, required=True)
    r.add_argument("--token", required=True)
    r.add_argument("--clients", type=int, default=4)
    r.add_argument("--acks", required=True)
    r.add_argument("--stats", required=True)
    r.add_argument("--stop", required=True)
    r.add_argument("--timeout", type=float, default=30.0)
    r.add_argument("--drain", type=float, default=120.0)
    c = sub.add_parser("check")
    c.add_argument("--acks", required=True)
    c.add_argument("--events", required=True)
    args = parser.parse_args()
    if args.command == "run":
        run(args)
        return 0
    return check(args)


if __name__ == "__main__":
    sys.exit(main())
