"""How long the simulated builder takes on a 20-step Dockerfile (target: at most 50 ms), cold and fully cached.

    python3 bench/dockerfile_sim_build.py
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from kube_magics.dockerfile import SimBuilder

DOCKERFILE = "\n".join([
    "FROM node:18 AS build", "WORKDIR /app", "ENV NODE_ENV=production", "COPY package*.json ./", "RUN npm ci",
    "COPY . .", "RUN npm run build", "RUN echo built > /app/BUILT",
    "FROM node:18-alpine", "ARG VERSION=1", "LABEL version=$VERSION", "WORKDIR /srv",
    "COPY --from=build /app/dist ./dist",
    "COPY --from=build /app/node_modules ./node_modules", "COPY server.js ./", "RUN addgroup -S app && adduser -S app",
    "USER app", "EXPOSE 3000", "HEALTHCHECK CMD wget -qO- localhost:3000 || exit 1", 'CMD ["node", "server.js"]',
]) + "\n"


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "package.json").write_text('{"dependencies": {"express": "^4", "pino": "^9"}}\n')
        (root / "package-lock.json").write_text("{}\n")
        (root / "server.js").write_text("require('express')().listen(3000)\n")
        for i in range(30):
            (root / f"src{i}.js").write_text("x" * 2000)
        cold, warm = [], []
        for _ in range(20):
            builder = SimBuilder()
            t0 = time.perf_counter()
            builder.build(DOCKERFILE, context=root, tags=["bench:1"])
            cold.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            builder.build(DOCKERFILE, context=root, tags=["bench:1"])
            warm.append(time.perf_counter() - t0)
    steps = sum(1 for line in DOCKERFILE.splitlines() if line.strip())
    print(f"{steps}-instruction Dockerfile, 33-file context, 20 runs")
    print(f"cold build:   median {statistics.median(cold) * 1000:.1f} ms, max {max(cold) * 1000:.1f} ms")
    print(f"cached build: median {statistics.median(warm) * 1000:.1f} ms, max {max(warm) * 1000:.1f} ms")
    print("target: at most 50 ms")


if __name__ == "__main__":
    main()
