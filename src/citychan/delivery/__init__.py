"""Delivery: the fan-out to the planned targets (publisher), the post each channel gets
(posts), retries and pacing (retry), resolving open deliveries (recovery, `citychan retry`)
and pre-flight checks (preflight, `citychan channels --test`)."""
