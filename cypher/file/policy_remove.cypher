// Removes a named capture policy; returns how many were removed (0 or 1).
MATCH (c:CapturePolicy {key: $key})
DELETE c
RETURN count(c) AS removed
