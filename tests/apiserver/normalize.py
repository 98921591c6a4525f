"""Comparing kubectl's output on the served simulator with the recordings of a real cluster.

Names made of hashes and random suffixes, uids, container and image ids, ages, IPs, node names, resource versions and
timestamps differ between any two clusters; `shape(text)` replaces them with placeholders and folds runs of spaces
(column widths follow the values), so that what remains, the words, columns and lines kubectl printed, can be
compared exactly.
"""

from __future__ import annotations

import re

_SAFE = "[bcdfghjklmnpqrstvwxz2456789]"
PATTERNS = [
    (re.compile(r"containerd://[0-9a-f-]+"), "containerd://<id>"),
    (re.compile(r"(imageID: |Image ID:\s+)\S+"), r"\1<image-id>"),
    (re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b"), "<uid>"),
    (re.compile(r"(?<=-)" + _SAFE + r"{8,10}(?=-" + _SAFE + r"{5}\b)"), "<hash>"),
    (re.compile(r"(?<=-)" + _SAFE + r"{9,10}\b"), "<hash>"),
    (re.compile(r"(?<=<hash>-)" + _SAFE + r"{5}\b"), "<sfx>"),
    (re.compile(r"(?<=pod-template-hash=)" + _SAFE + r"{8,10}\b"), "<hash>"),
    (re.compile(r"(?<=kube-api-access-)" + _SAFE + r"{5}\b"), "<sfx>"),
    (re.compile(r"(?<=pod-template-hash: )" + _SAFE + r"{8,10}\b"), "<hash>"),
    (re.compile(r"\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d \w{3} \d{4} \d\d:\d\d:\d\d [+-]\d{4}"), "<date>"),
    (re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z"), "<time>"),
    (re.compile(r"\b\d+\.\d+\.\d+\.\d+\b"), "<ip>"),
    (re.compile(r"\b(fake-node-\d|sim-worker\d*|sim-control-plane)\b"), "<node>"),
    (re.compile(r"\b(?=\d)(\d+d)?(\d+h)?(\d+m)?(\d+s)?(?<=[smhd])\b"), "<age>"),
    (re.compile(r'(resourceVersion: )"\d+"'), r"\1<rv>"),
]


def shape(text: str) -> list[str]:
    """The lines of `text` with the varying parts replaced and spaces folded."""
    out = []
    for line in text.splitlines():
        for pattern, repl in PATTERNS:
            line = pattern.sub(repl, line)
        out.append(" ".join(line.split()))
    return out
