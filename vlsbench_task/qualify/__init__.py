"""Qualifying a judge: its agreement with human labels (MSTS) beside published judges."""
