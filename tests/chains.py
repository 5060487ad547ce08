"""The goal chain documents tests start sessions from."""

from __future__ import annotations

FITNESS = {
    "goalchain": 1,
    "product": "Fitness app",
    "vision": {"id": "V1", "statement": "Help people live healthier lives"},
    "goals": [
        {
            "id": "U1",
            "level": "user",
            "title": "Lose weight without dieting misery",
            "parents": ["V1"],
            "metrics": [
                {"name": "weekly active users", "baseline": 1200, "target": 5000, "owner": "Pia"}
            ],
            "due": "2027-06-30",
            "status": "accepted",
        },
        {"id": "B1", "level": "business", "title": "Open a new revenue source", "parents": ["V1"]},
        {
            "id": "P1",
            "level": "product",
            "title": "Smart scale sync",
            "parents": ["U1"],
            "metrics": [{"name": "synced users", "target": 500}],
            "due": "2027-03-31",
            "status": "accepted",
        },
    ],
}
