"""Evidence items declared in a module that its claim module imports.

A claim whose evidence is split by theme keeps some items in a second module; that module cannot
import the claim's :class:`~ulproofs.engine.evidence.EvidenceSet` (the claim module imports it), so
it collects its items in a :class:`DeferredItems` and the claim module hands them over with
:meth:`DeferredItems.declare_on` once its EvidenceSet exists.

>>> from ulproofs.engine.evidence import EvidenceSet
>>> from ulproofs.engine.verdicts import Claim, Reading
>>> claim = Claim("lemma-0", "toy", statement="1 + 1 = 2", readings=(Reading("printed", "1 + 1 = 2"),))
>>> later = DeferredItems()
>>> @later.item("sum", kind="symbolic", description="1 + 1 - 2 = 0")
... def sum_is_two(context, record):
...     record.passed = 1 + 1 - 2 == 0
>>> evidence = EvidenceSet(claim)
>>> later.declare_on(evidence)
>>> [item.id for item in evidence.items()]
['lemma-0::sum']
"""
from __future__ import annotations


class DeferredItems:
    """Item declarations (the arguments of :meth:`EvidenceSet.item`) kept until :meth:`declare_on`."""

    def __init__(self):
        self._declared = []

    def item(self, slug, **options):
        def keep(function):
            self._declared.append((slug, options, function))
            return function
        return keep

    def declare_on(self, evidence):
        """Declare every kept item, in order, on ``evidence`` (an EvidenceSet)."""
        for slug, options, function in self._declared:
            evidence.item(slug, **options)(function)
