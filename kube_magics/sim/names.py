"""Generated names, as Kubernetes makes them.

- `random_suffix`: apimachinery's `rand.String(5)` over its 27-character alphabet without vowels (pods are
  `<replicaset>-<5 chars>`, `generateName` objects likewise), drawn from the cluster's seeded generator.
- `pod_template_hash`: the Deployment controller's `ComputeHash` (a 32-bit FNV-1a hash of the pod template and
  the collision count) encoded with `rand.SafeEncodeString`, so the hash has Kubernetes' shape: up to 10
  characters from `bcdfghjklmnpqrstvwxz2456789`, e.g. `684f8cccc8`.
"""

from __future__ import annotations

import json
from random import Random
from typing import Any

ALPHANUMS = "bcdfghjklmnpqrstvwxz2456789"


def random_suffix(rng: Random, n: int = 5) -> str:
    return "".join(ALPHANUMS[rng.randrange(len(ALPHANUMS))] for _ in range(n))


def safe_encode(text: str) -> str:
    """apimachinery's SafeEncodeString: each byte maps to ALPHANUMS[byte % 27]."""
    return "".join(ALPHANUMS[ord(ch) % len(ALPHANUMS)] for ch in text)


def fnv32a(data: bytes) -> int:
    h = 0x811C9DC5
    for b in data:
        h ^= b
        h = (h * 0x01000193) & 0xFFFFFFFF
    return h


def pod_template_hash(template: dict[str, Any], collision_count: int | None = None) -> str:
    """The `pod-template-hash` label value for a Deployment's template.

    The hash input is a canonical serialisation of the template (Kubernetes hashes a dump of the Go struct, so
    the values differ from a real cluster's while the shape and the behaviour are the same: equal templates give
    equal hashes, any change gives a new one, and the collision count moves it on).
    """
    data = json.dumps(template, sort_keys=True, separators=(",", ":")).encode()
    if collision_count is not None:
        # As ComputeHash: the count's 32 bits, little-endian, in an 8-byte buffer, fed to the same hasher.
        data += (collision_count & 0xFFFFFFFF).to_bytes(8, "little")
    return safe_encode(str(fnv32a(data)))
