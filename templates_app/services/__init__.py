"""Writes to WhatsApp accounts and templates, one module per part of the flow.

- `templates`: create business accounts, phone numbers and templates.
- `events`: apply one template event (Meta's webhook, or a sync) — the state machine.
- `deliveries`: store Meta's webhook deliveries, process, reprocess and prune them.
"""
