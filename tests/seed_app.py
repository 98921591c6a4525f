"""The seed chapter's Node.js app as the Docker tests build it: its Dockerfile (on `busybox:local`, so that it
builds without a registry) and the image config recorded for `seedapp:3`."""

from __future__ import annotations

SEED_DOCKERFILE = """\
FROM busybox:local
WORKDIR /app
COPY package*.json ./
RUN echo installing deps && mkdir -p node_modules && head -c 200000 /dev/zero > node_modules/blob
COPY . .
EXPOSE 3000
CMD ["sh", "-c", "cat server.js"]
"""

# `docker image inspect --format "{{json .Config}}" seedapp:3` in the Docker recordings (cli.txt).
RECORDED_CONFIG = {"ExposedPorts": {"3000/tcp": {}},
                   "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
                   "Cmd": ["sh", "-c", "cat server.js"], "WorkingDir": "/app"}
