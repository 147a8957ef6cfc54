"""Digests, rapid-response alerts and their delivery: select, context, render, outbox, send."""
