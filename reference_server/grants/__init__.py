"""The grants class: grant programmes and their rules, applications, decisions and payouts."""
