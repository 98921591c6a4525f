"""The TTL-after-finished controller: deletes a finished Job `ttlSecondsAfterFinished` seconds after it finished.

As Kubernetes' `pkg/controller/ttlafterfinished`: a Job with the field set and a Complete or Failed condition
expires at the condition's transition time plus the TTL; then the Job is deleted with foreground propagation, so
the garbage collector removes its pods before the Job itself goes. Until then the controller looks again at the
expiry time. It records no events.

Must not: touch Jobs without a TTL, or unfinished ones.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from kube_magics.errors import KubeMagicsError, NotFoundError
from kube_magics.sim.controller import Controller
from kube_magics.sim.controllers.job_util import finish_time
from kube_magics.sim.store import WatchEvent

Key = tuple[str, str]


class TTLAfterFinishedController(Controller):
    name = "ttl-after-finished-controller"
    watches = ("Job",)

    def keys_for(self, event: WatchEvent) -> Iterable[Key]:
        job = event.object
        if event.type == "DELETED" or job["spec"].get("ttlSecondsAfterFinished") is None:
            return ()
        return ((job["metadata"]["namespace"], job["metadata"]["name"]),)

    def reconcile(self, key: Any) -> None:
        job = self.rt.store.get("Job", *key)
        if job is None or job["metadata"].get("deletionTimestamp"):
            return
        ttl = job["spec"].get("ttlSecondsAfterFinished")
        finished = finish_time(job)
        if ttl is None or finished is None:
            return
        left = finished + int(ttl) - self.rt.clock.now
        if left > 0:
            self.queue.add_after(key, left)
            return
        try:
            self.rt.api.delete("Job", key[0], key[1], propagation="Foreground")
        except NotFoundError:
            return
        except KubeMagicsError:
            self.queue.add_rate_limited(key)
