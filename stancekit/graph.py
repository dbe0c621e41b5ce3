"""A tracker's claims and relations for other tools: a graph (JSON-ready or networkx) and JSON Lines.

Like :mod:`stancekit.report`, these read only the tracker's public answers.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from stancekit.io import atomic_writer, check_output_file
from stancekit.stance import StanceResult

if TYPE_CHECKING:
    import networkx as nx

    from stancekit.tracking import Tracker

__all__ = ["to_networkx", "tracker_graph", "write_jsonl"]


def tracker_graph(tracker: Tracker) -> dict[str, list[dict[str, Any]]]:
    """Claims as nodes and supports/contradicts relations as edges (JSON-serialisable).

    Example:
        >>> graph = tracker_graph(tracker)
        >>> len(graph["nodes"]) == len(tracker.claims), sorted(graph["edges"][0])
        (True, ['rebuttal', 'relation', 'score', 'source', 'target'])
    """
    nodes = [
        {
            "id": c.id,
            "text": c.text,
            "speaker": c.speaker,
            "actor": c.actor,
            "date": c.date.date().isoformat() if c.date else None,
        }
        for c in tracker.claims
    ]
    edges = [
        {"source": r.a.id, "target": r.b.id, "relation": r.kind, "score": r.score, "rebuttal": r.is_rebuttal}
        for r in tracker.relations
        if r.kind != "unrelated"
    ]
    return {"nodes": nodes, "edges": edges}


def to_networkx(tracker: Tracker) -> nx.DiGraph:
    """The graph as a networkx ``DiGraph`` (needs networkx).

    Example:
        >>> to_networkx(tracker).number_of_nodes() == len(tracker.claims)
        True
    """
    try:
        import networkx as nx
    except ImportError:
        raise ImportError("to_networkx needs: pip install networkx") from None
    data = tracker_graph(tracker)
    graph = nx.DiGraph()
    for node in data["nodes"]:
        graph.add_node(node["id"], **{k: v for k, v in node.items() if k != "id"})
    for edge in data["edges"]:
        graph.add_edge(
            edge["source"], edge["target"], **{k: v for k, v in edge.items() if k not in ("source", "target")}
        )
    return graph


def write_jsonl(tracker: Tracker, path: str | Path) -> Path:
    """Write claims (with their stance when a target is set) and relations as JSON Lines, one object each.

    Example:
        >>> lines = write_jsonl(tracker, tmp / "seeds.jsonl").read_text().splitlines()
        >>> len(lines) == len(tracker.claims) + len(tracker.relations)
        True
    """
    out = Path(path)
    check_output_file(out)
    stances: list[StanceResult | None] = (
        list(tracker.claim_stances()) if tracker.settings.target else [None] * len(tracker.claims)
    )
    with atomic_writer(out) as handle:
        for claim, result in zip(tracker.claims, stances, strict=True):
            record = {"type": "claim", **claim.to_dict()}
            if result is not None:
                record.update(stance=result.label.value, scores=result.scores, target=tracker.settings.target)
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        for relation in tracker.relations:
            handle.write(
                json.dumps(
                    {
                        "type": "relation",
                        "a": relation.a.id,
                        "b": relation.b.id,
                        "relation": relation.kind,
                        "score": relation.score,
                        "rebuttal": relation.is_rebuttal,
                        "lag_days": relation.lag.days if relation.lag is not None else None,
                    },
                    ensure_ascii=False,
                )
                + "\n"
            )
    return out
