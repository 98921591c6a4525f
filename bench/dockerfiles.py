"""What the Dockerfile benchmarks build: the seed app's Dockerfile on a local busybox base (the Docker tests' own,
tests/seed_app.py), and a 20-instruction multi-stage Node.js Dockerfile with its 33-file context."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.seed_app import SEED_DOCKERFILE as SEED

TWENTY = "\n".join([
    "FROM node:18 AS build", "WORKDIR /app", "ENV NODE_ENV=production", "COPY package*.json ./", "RUN npm ci",
    "COPY . .", "RUN npm run build", "RUN echo built > /app/BUILT",
    "FROM node:18-alpine", "ARG VERSION=1", "LABEL version=$VERSION", "WORKDIR /srv",
    "COPY --from=build /app/dist ./dist",
    "COPY --from=build /app/node_modules ./node_modules", "COPY server.js ./", "RUN addgroup -S app && adduser -S app",
    "USER app", "EXPOSE 3000", "HEALTHCHECK CMD wget -qO- localhost:3000 || exit 1", 'CMD ["node", "server.js"]',
]) + "\n"


def node_context(root: Path) -> Path:
    """TWENTY's build context: package files, server.js and 30 sources of 2 kB (33 files)."""
    (root / "package.json").write_text('{"dependencies": {"express": "^4", "pino": "^9"}}\n')
    (root / "package-lock.json").write_text("{}\n")
    (root / "server.js").write_text("require('express')().listen(3000)\n")
    for i in range(30):
        (root / f"src{i}.js").write_text("x" * 2000)
    return root


__all__ = ["SEED", "TWENTY", "node_context"]
