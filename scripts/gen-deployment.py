#!/usr/bin/env python3
"""Generates a whole deployment's ledger feed for the projections benchmark.

Writes exactly N NDJSON lines (SPEC section 2 envelopes, every line legal
under SPEC section 1, in the order written): the EventStatusChanged traffic of
scripts/gen-events.py (3 execution instances exec-01..03, run as a subprocess
with the same seed) with a few hundred topology events woven in at fixed line
numbers, so that readiness has something to do at any point of the ledger:

- prelude (lines 1..): control instance mc-control, execution instances
  exec-01..03, accounts exec01..03 (mc-control -> exec-0x), the three
  processing workflows per execution instance (exec-03 spells
  updateEventsStatus) and mcSynch_<account> on mc-control, created then
  started: the deployment is ready;
- every --incident-every lines: one started workflow fails (then is
  restarted), is paused for maintenance (then started) or is stopped (then
  started again) a few thousand lines later;
- at 30%: scale-out: exec-04, account exec04 and its workflows, started ~2%
  later; at 80% account exec04 disabled, at 85% enabled again;
- at 45%: standby control mc-control-dr with account dr_exec02 -> exec-02 and
  a mcSynch_dr_exec02 that is created but never started (exec-02 unready);
  the account is disabled at 55%;
- at the very end: mcSynch_exec03 paused and left paused, so the deployment is
  not ready at the head, with exactly one unmet requirement.

Also writes (--expected FILE) the status totals that the whole file must
produce (each transactional event's last status; retries; late bounces),
computed here from the lines, independently of mcledger and of SQL.

    gen-deployment.py --count 10000000 --ndjson deployment.ndjson --expected expected.json
"""

import argparse
import json
import os
import random
import subprocess
import sys
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
PROCESSING = ["batchEventsProcessing", "rtEventsProcessing", "updateEventStatus"]
ACTOR = {"actor": "ops@example.com"}


class Topology:
    """Builds the topology lines and keeps every workflow's state legal."""

    def __init__(self, rng):
        self.rng = rng
        self.state = {}          # (instance, workflow) -> state
        self.busy = set()        # workflows with a pending restart
        self.lines = []          # (line number, json text)

    def line(self, at, type_, data):
        event_id = str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
        text = json.dumps({"type": type_, "data": data, "eventId": event_id, "metadata": ACTOR},
                          separators=(",", ":"))
        self.lines.append((at, text))

    def instance(self, at, name, role):
        self.line(at, "InstanceRegistered", {"instance": name, "role": role})

    def account(self, at, control, account, instance):
        self.line(at, "ExecutionAccountRegistered", {"control": control, "account": account, "instance": instance})

    def account_set(self, at, control, account, enabled):
        self.line(at, "ExecutionAccountEnabled" if enabled else "ExecutionAccountDisabled",
                  {"control": control, "account": account})

    def created(self, at, instance, workflow, kind=None, account=None):
        data = {"instance": instance, "workflow": workflow}
        if kind:
            data["kind"] = kind
        if account:
            data["account"] = account
            data["label"] = "Message Center %s" % account
        assert (instance, workflow) not in self.state
        self.state[(instance, workflow)] = "beingEdited"
        self.line(at, "WorkflowCreated", data)

    def act(self, at, instance, workflow, type_, **extra):
        legal = {"WorkflowStarted": ({"beingEdited", "paused", "finished", "failed"}, "started"),
                 "WorkflowPaused": ({"started"}, "paused"),
                 "WorkflowStopped": ({"started", "paused", "failed"}, "finished"),
                 "WorkflowFailed": ({"started"}, "failed")}
        sources, target = legal[type_]
        assert self.state[(instance, workflow)] in sources, (instance, workflow, type_)
        self.state[(instance, workflow)] = target
        self.line(at, type_, dict({"instance": instance, "workflow": workflow}, **extra))


def processing(instance):
    return [w if not (instance == "exec-03" and w == "updateEventStatus") else "updateEventsStatus"
            for w in PROCESSING]


def build_topology(count, seed, incident_every):
    rng = random.Random(seed + 1)
    t = Topology(rng)
    at = 1
    # Prelude: registrations, then everything created and started.
    t.instance(at, "mc-control", "control")
    for i in (1, 2, 3):
        t.instance(at, "exec-0%d" % i, "execution")
    for i in (1, 2, 3):
        t.account(at, "mc-control", "exec0%d" % i, "exec-0%d" % i)
    for i in (1, 2, 3):
        for w in processing("exec-0%d" % i):
            t.created(at, "exec-0%d" % i, w)
        t.created(at, "mc-control", "mcSynch_exec0%d" % i, kind="archiving", account="exec0%d" % i)
    for i in (1, 2, 3):
        for w in processing("exec-0%d" % i):
            t.act(at, "exec-0%d" % i, w, "WorkflowStarted")
        t.act(at, "mc-control", "mcSynch_exec0%d" % i, "WorkflowStarted")

    # Milestones (line numbers), and the incidents between them.
    p = lambda share: max(2, int(count * share))
    scheduled = []   # (line, callable)

    def scale_out():
        t.instance(p(0.30), "exec-04", "execution")
        t.account(p(0.30), "mc-control", "exec04", "exec-04")
        for w in processing("exec-04"):
            t.created(p(0.30), "exec-04", w)
        t.created(p(0.30), "mc-control", "mcSynch_exec04", kind="archiving", account="exec04")
    scheduled.append((p(0.30), scale_out))

    def scale_out_started():
        for w in processing("exec-04"):
            t.act(p(0.32), "exec-04", w, "WorkflowStarted")
        t.act(p(0.32), "mc-control", "mcSynch_exec04", "WorkflowStarted")
    scheduled.append((p(0.32), scale_out_started))

    def standby():
        t.instance(p(0.45), "mc-control-dr", "control")
        t.account(p(0.45), "mc-control-dr", "dr_exec02", "exec-02")
        t.created(p(0.45), "mc-control-dr", "mcSynch_dr_exec02", kind="archiving", account="dr_exec02")
    scheduled.append((p(0.45), standby))
    scheduled.append((p(0.55), lambda: t.account_set(p(0.55), "mc-control-dr", "dr_exec02", False)))
    scheduled.append((p(0.80), lambda: t.account_set(p(0.80), "mc-control", "exec04", False)))
    scheduled.append((p(0.85), lambda: t.account_set(p(0.85), "mc-control", "exec04", True)))

    restarts = []    # (line, instance, workflow)

    def incident(at):
        # restarts due by now first
        candidates = [k for k, s in t.state.items()
                      if s == "started" and k not in t.busy and k != ("mc-control-dr", "mcSynch_dr_exec02")]
        if not candidates:
            return
        instance, workflow = rng.choice(sorted(candidates))
        kind = rng.choices(["fail", "pause", "stop"], [5, 4, 1])[0]
        if kind == "fail":
            t.act(at, instance, workflow, "WorkflowFailed", error=rng.choice([
                "connection to the delivery server lost", "disk quota exceeded on the working directory",
                "deadlock detected while updating event statuses", "timeout while reading the queue"]))
        elif kind == "pause":
            t.act(at, instance, workflow, "WorkflowPaused")
        else:
            t.act(at, instance, workflow, "WorkflowStopped")
        t.busy.add((instance, workflow))
        restarts.append((at + rng.randint(2_000, max(2_001, incident_every // 2)), instance, workflow))

    events = sorted(scheduled, key=lambda x: x[0])
    line = incident_every
    end = count - 100
    while line < end or events:
        # run milestones and restarts due before this incident line
        while events and events[0][0] <= min(line, end):
            events.pop(0)[1]()
        due = sorted(r for r in restarts if r[0] <= min(line, end))
        for r in due:
            restarts.remove(r)
            t.act(r[0], r[1], r[2], "WorkflowStarted")
            t.busy.discard((r[1], r[2]))
        if line >= end:
            break
        incident(line)
        line += incident_every
    for r in sorted(restarts):   # anything still open restarts before the end
        t.act(min(r[0], end), r[1], r[2], "WorkflowStarted")
        t.busy.discard((r[1], r[2]))
    # finally: mcSynch_exec03 paused and left paused
    t.act(count - 10, "mc-control", "mcSynch_exec03", "WorkflowPaused")
    # stable order by line number (insertion order within a line)
    return sorted(t.lines, key=lambda x: x[0])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", "-n", type=int, required=True, help="total number of lines")
    parser.add_argument("--ndjson", required=True, help="output file")
    parser.add_argument("--expected", help="JSON file for the expected status totals")
    parser.add_argument("--seed", type=int, default=20241127)
    parser.add_argument("--incident-every", type=int, default=50_000)
    args = parser.parse_args()
    if args.count < 1000:
        sys.exit("--count must be at least 1000")

    topology = build_topology(args.count, args.seed, args.incident_every)
    traffic = args.count - len(topology)
    gen = subprocess.Popen([sys.executable, os.path.join(HERE, "gen-events.py"), "--count", str(traffic),
                            "--seed", str(args.seed), "--ndjson", "-"],
                           stdout=subprocess.PIPE, text=True, bufsize=1 << 20)
    last = {}                 # stream key -> last status
    retries = late = 0
    written = 0
    k = 0
    with open(args.ndjson, "w", encoding="utf-8", buffering=1 << 20) as out:
        for text in gen.stdout:
            while k < len(topology) and topology[k][0] <= written + 1:
                out.write(topology[k][1] + "\n")
                written += 1
                k += 1
            out.write(text)
            written += 1
            if args.expected:
                # gen-events.py writes data as {"instance":..,"eventId":..,"queue":..,"to":..,...}
                i = text.index('"instance":"') + 12
                j = text.index('"', i)
                e = text.index('"eventId":"', j) + 11
                f = text.index('"', e)
                q = text.index('"queue":"', f) + 9
                r = text.index('"', q)
                s = text.index('"to":"', r) + 6
                u = text.index('"', s)
                key = (text[i:j], text[e:f], text[q:r])
                to = text[s:u]
                before = last.get(key)
                if to == "pending" and before in ("pending", "pendingDelivery"):
                    retries += 1
                elif to == "deliveryFailed" and before == "sent":
                    late += 1
                last[key] = to
        for _, text in topology[k:]:
            out.write(text + "\n")
            written += 1
    if gen.wait() != 0:
        sys.exit("gen-events.py failed")
    assert written == args.count, (written, args.count)
    if args.expected:
        statuses = ["pending", "pendingDelivery", "sent", "ignored", "deliveryFailed", "notTakenIntoAccount", "expired"]
        by_status = {s: 0 for s in statuses}
        for status in last.values():
            by_status[status] += 1
        with open(args.expected, "w") as f:
            json.dump({"lines": written, "topologyLines": len(topology), "statusLines": traffic,
                       "total": len(last), "byStatus": by_status, "retries": retries, "lateBounces": late}, f)
    print("%d lines (%d topology events, %d status changes)" % (written, len(topology), traffic), file=sys.stderr)


if __name__ == "__main__":
    main()
