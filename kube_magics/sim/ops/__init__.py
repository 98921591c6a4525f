"""SimCluster's verbs beyond apply/get/list/delete, grouped by subject, one mixin per file.

`SimCluster` inherits them all; each mixin uses only `self.rt` (the Runtime) and returns copies of objects.
"""

from __future__ import annotations
