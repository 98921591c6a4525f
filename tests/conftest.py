"""Options for the whole suite.

`--with-cluster CONTEXT` runs the end-to-end tests of the real-cluster backend (tests/kube/test_e2e*.py, marked
`cluster`) against that kubeconfig context as well as against the simulator's served API; they are skipped when
the context's server cannot be reached. The tests work in namespaces of their own (`km-e2e-...`) and delete
them afterwards; naming a context here allows them to write to it, even if it does not look local.
"""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--with-cluster", metavar="CONTEXT", default=None,
                     help="also run the real-cluster end-to-end tests against this kubeconfig context "
                          "(skipped when it is not reachable)")
