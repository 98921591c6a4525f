"""A short tour of the simulated cluster from a terminal: `python -m kube_magics.demo`.

Applies the course's nginx Deployment to a fresh simulated cluster and prints what `kubectl` would print as the
virtual clock moves: the pods starting, a deleted pod replaced (self-healing), a rolling update to nginx:1.21.
Everything is deterministic: run it twice, get the same output.
"""

from __future__ import annotations

import argparse

from kube_magics import printers
from kube_magics.sim import SimCluster

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: nginx-deployment
spec:
  replicas: 3
  selector:
    matchLabels:
      app: nginx
  template:
    metadata:
      labels:
        app: nginx
    spec:
      containers:
        - name: nginx
          image: nginx:1.20
          ports:
            - containerPort: 80
"""


def _get(c: SimCluster, resource: str) -> str:
    return printers.get(c.list(resource), now=c.rt.now).text


def _step(c: SimCluster, title: str) -> None:
    print(f"\n$ kubectl get pods        # {title}, t={c.elapsed:g}s")
    print(_get(c, "pods"))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m kube_magics.demo", description=__doc__)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    c = SimCluster(workers=2, seed=args.seed)
    print("A simulated Kubernetes cluster (virtual clock; nodes named as kind names them):\n")
    print(printers.get(c.list("nodes"), now=c.rt.now, namespaced=False).text)
    print("\n$ kubectl apply -f nginx-deployment.yaml")
    for result in c.apply(DEPLOYMENT):
        print(result)
    _step(c, "right after apply")
    c.advance("2s")
    _step(c, "pulling nginx:1.20")
    c.advance("10s")
    _step(c, "running")
    victim = c.list("pods")[0]["metadata"]["name"]
    print(f"\n$ kubectl delete pod {victim}")
    c.delete("pods", victim)
    print(f'pod "{victim}" deleted from default namespace')
    _step(c, "the ReplicaSet has already made a replacement")
    c.advance("10s")
    _step(c, "self-healed")
    print("\n$ kubectl set image deployment/nginx-deployment nginx=nginx:1.21")
    print(c.set_image("deployment", "nginx-deployment", nginx="nginx:1.21"))
    print("$ kubectl rollout status deployment/nginx-deployment")
    print("\n".join(c.rollout_status("nginx-deployment").lines))
    print("\n$ kubectl get deploy,rs")
    options = printers.GetOptions(show_kind=True)
    print(printers.get(c.list("deploy") + c.list("rs"), now=c.rt.now, options=options).text)


if __name__ == "__main__":
    main()
