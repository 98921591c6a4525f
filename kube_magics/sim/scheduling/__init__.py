"""The scheduler's plugins as small pure functions, and the cache they read.

- `podinfo.py`: what a pod asks for (requests with the non-zero defaults, tolerations, affinity), computed once.
- `filters.py`: NodeUnschedulable, NodeName, TaintToleration, NodeAffinity (and nodeSelector) per node, and
  NodeResourcesFit over arrays of nodes; each returns Kubernetes' reason strings.
- `scores.py`: NodeResourcesFit (LeastAllocated), NodeResourcesBalancedAllocation, TaintToleration,
  NodeAffinity, PodTopologySpread (the system default constraints), ImageLocality, with their normalisation and
  the default profile's weights; they work on numpy arrays, one element per node.
- `cache.py`: the scheduler cache, kept from watch events: per node allocatable and requested resources in
  arrays, the pods assumed or bound to each node, image states, and pod counts per spread selector.
- `messages.py`: the FailedScheduling message, worded and ordered as the scheduler's FitError.

Must not: write to the store or emit events (the controller in `controllers/scheduler.py` does).
"""
