"""Korean and English labels for the views, and the one setting that chooses between them.

The language of a view comes from, in order: the `lang` argument (or trait) of that view; `set_language()` (what
`%kube lang ko` calls), which is the `lang` traitlet of `WidgetSettings` and so can also be set from IPython's
configuration (`c.WidgetSettings.lang = "ko"`); the environment variable `KUBE_MAGICS_LANG`; English.

Kubernetes' own words stay as kubectl prints them in both languages (Running, Pending, Ready, NotReady,
CrashLoopBackOff, NAME/READY/STATUS, rollout messages): they are what a learner will read in a terminal.

Owns: the label tables and the settings object. Must not: know any view or the cluster.
"""

from __future__ import annotations

import os
import weakref
from collections.abc import Mapping
from typing import Any, Protocol

from traitlets import Unicode, validate
from traitlets.config import SingletonConfigurable

from kube_magics.errors import UsageError

LANGUAGES = ("en", "ko")
ENV_VAR = "KUBE_MAGICS_LANG"

LABELS: Mapping[str, Mapping[str, str]] = {
    "en": {
        # the VM-vs-container stack
        "stack_title": "Virtual machines vs containers",
        "vm_side": "Virtual machines",
        "ct_side": "Docker containers",
        "vm_short": "VMs",
        "ct_short": "Containers",
        "app": "App {n}",
        "guest_os": "Guest OS",
        "hypervisor": "Hypervisor",
        "host_os": "Host OS",
        "hardware": "Hardware",
        "container": "container",
        "engine": "Docker engine",
        "layers": "Image layers (read-only, shared)",
        "vm_note": "each VM boots its own OS",
        "ct_note": "containers share the host's kernel",
        "memory": "Memory",
        "disk": "Disk",
        "start": "Start time",
        "apps": "Applications",
        "app_memory": "Memory per app (MiB)",
        "guest_os_memory": "Guest OS memory (MiB)",
        "guest_os_disk": "Guest OS disk (MB)",
        "app_disk": "App files (MB)",
        "measure": "Measure a container start here",
        "measuring": "Measuring…",
        "measured": "measured here: {ms} ({what})",
        "no_docker": "No Docker engine is reachable from this kernel, so nothing can be measured here",
        "sources": "Sources",
        "start_basis_measured": "measured on this machine",
        "microvm": "a microVM (Firecracker) boots its kernel to init in",
        "image": "image {name}",
        # the cluster topology
        "topology_title": "Cluster {name}",
        "control_plane": "Control plane",
        "api_server": "API server",
        "etcd": "etcd",
        "scheduler": "Scheduler",
        "controller_manager": "Controller manager",
        "kubelet": "kubelet",
        "kube_proxy": "kube-proxy",
        "runtime": "Container runtime",
        "unscheduled": "Not scheduled yet",
        "services": "Services",
        "cordoned": "cordoned",
        "more_pods": "+{n} more",
        "delete_pod": "Delete pod",
        "fail_node": "Fail node",
        "recover_node": "Recover node",
        "scale": "Scale",
        "play": "Play",
        "pause": "Pause",
        "step": "Step",
        "speed": "Speed",
        "clock": "Virtual time",
        "details": "Details",
        "events": "Events",
        "no_events": "<none>",
        "select_hint": "Click a pod or a node to see its details.",
        # the pod board
        "board_title": "Pods",
        "grid": "Grid",
        "table": "Table",
        "rollouts": "Rollouts",
        "recent_events": "Recent events",
        "no_pods": "No resources found",
        "more_rows": "… and {n} more pods",
        # one-line summaries (text/plain)
        "cluster_summary": "Cluster {name}: {nodes} nodes ({node_states}), {pods} pods ({pod_states})",
        "board_summary": "Pods in {scope}: {pods} ({pod_states})",
        "all_namespaces": "all namespaces",
        "stack_summary": ("VM vs container, {apps} apps: memory {vm_mem} vs {ct_mem}, disk {vm_disk} vs {ct_disk}, "
                          "start {vm_start} vs {ct_start}"),
        "none": "none",
    },
    "ko": {
        "stack_title": "가상머신 vs 컨테이너",
        "vm_side": "가상머신 (Virtual Machine)",
        "ct_side": "Docker 컨테이너",
        "vm_short": "가상머신",
        "ct_short": "컨테이너",
        "app": "애플리케이션 {n}",
        "guest_os": "게스트 OS",
        "hypervisor": "하이퍼바이저",
        "host_os": "호스트 OS",
        "hardware": "물리 하드웨어",
        "container": "컨테이너",
        "engine": "Docker 엔진",
        "layers": "이미지 레이어 (읽기 전용, 공유)",
        "vm_note": "각각 독립적인 OS",
        "ct_note": "OS 공유, 빠르고 가벼움",
        "memory": "메모리",
        "disk": "디스크",
        "start": "시작 시간",
        "apps": "애플리케이션 수",
        "app_memory": "앱당 메모리 (MiB)",
        "guest_os_memory": "게스트 OS 메모리 (MiB)",
        "guest_os_disk": "게스트 OS 디스크 (MB)",
        "app_disk": "앱 파일 (MB)",
        "measure": "여기서 컨테이너 시작 시간 측정",
        "measuring": "측정 중…",
        "measured": "이 컴퓨터에서 측정: {ms} ({what})",
        "no_docker": "이 커널에서 Docker 엔진에 연결할 수 없어 측정할 수 없습니다",
        "sources": "출처",
        "start_basis_measured": "이 컴퓨터에서 측정",
        "microvm": "마이크로VM(Firecracker)은 커널 부팅부터 init까지",
        "image": "이미지 {name}",
        "topology_title": "클러스터 {name}",
        "control_plane": "컨트롤 플레인 (Control Plane)",
        "api_server": "API 서버",
        "etcd": "etcd",
        "scheduler": "스케줄러",
        "controller_manager": "컨트롤러 매니저",
        "kubelet": "kubelet",
        "kube_proxy": "kube-proxy",
        "runtime": "컨테이너 런타임",
        "unscheduled": "아직 배치되지 않음",
        "services": "서비스",
        "cordoned": "스케줄 중지(cordon)",
        "more_pods": "외 {n}개",
        "delete_pod": "파드 삭제",
        "fail_node": "노드 장애",
        "recover_node": "노드 복구",
        "scale": "스케일",
        "play": "재생",
        "pause": "일시정지",
        "step": "한 단계",
        "speed": "속도",
        "clock": "가상 시간",
        "details": "상세",
        "events": "이벤트",
        "no_events": "<none>",
        "select_hint": "파드나 노드를 클릭하면 상세 정보가 나옵니다.",
        "board_title": "파드",
        "grid": "격자",
        "table": "표",
        "rollouts": "롤아웃",
        "recent_events": "최근 이벤트",
        "no_pods": "No resources found",
        "more_rows": "… 외 파드 {n}개",
        "cluster_summary": "클러스터 {name}: 노드 {nodes}개 ({node_states}), 파드 {pods}개 ({pod_states})",
        "board_summary": "{scope}의 파드: {pods}개 ({pod_states})",
        "all_namespaces": "모든 네임스페이스",
        "stack_summary": ("가상머신 vs 컨테이너, 애플리케이션 {apps}개: 메모리 {vm_mem} vs {ct_mem}, "
                          "디스크 {vm_disk} vs {ct_disk}, 시작 {vm_start} vs {ct_start}"),
        "none": "없음",
    },
}


def normalise_language(value: str) -> str:
    """`ko`, `ko-KR`, `ko_KR.UTF-8` -> `ko`; `en_US` -> `en`. Anything else is a usage error."""
    code = value.strip().replace("-", "_").split("_", 1)[0].split(".", 1)[0].lower()
    if code not in LANGUAGES:
        raise UsageError(f'unsupported language "{value}": use one of {", ".join(LANGUAGES)}')
    return code


class _View(Protocol):
    lang: str


class WidgetSettings(SingletonConfigurable):
    """Settings shared by every view in a kernel: the language of new and open views."""

    lang = Unicode("", help="Language of the views' labels: 'en' or 'ko' (default: $KUBE_MAGICS_LANG, else en).",
                   ).tag(config=True)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._views: weakref.WeakSet[Any] = weakref.WeakSet()

    @validate("lang")
    def _check_lang(self, proposal: Any) -> str:
        value = proposal["value"]
        return normalise_language(value) if value else ""

    def register(self, view: _View) -> None:
        """Let `set_language` switch this open view too."""
        self._views.add(view)

    def effective(self) -> str:
        if self.lang:
            return self.lang
        env = os.environ.get(ENV_VAR, "")
        if env:
            try:
                return normalise_language(env)
            except UsageError:
                return "en"
        return "en"


def set_language(lang: str) -> str:
    """Switch the views' labels to `lang` ("ko" or "en"): new views, and every view still open."""
    settings = WidgetSettings.instance()
    settings.lang = lang
    for view in list(settings._views):
        view.lang = settings.lang
    return settings.lang


def get_language() -> str:
    """The language new views take: set_language's, else $KUBE_MAGICS_LANG's, else "en"."""
    return WidgetSettings.instance().effective()


def labels(lang: str) -> dict[str, str]:
    return dict(LABELS[normalise_language(lang)])
