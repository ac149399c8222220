/// Read models over the ledger (issue 3).
public enum Projections {}
