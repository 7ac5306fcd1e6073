"""The content-health report (``helpgen report``): what in the content needs the team's attention.

* :mod:`~helpgen.health.thresholds`: the ``[report]`` section of ``helpgen.toml``, validated;
* :mod:`~helpgen.health.checks`: snapshot (+ the built site, for links) → ``HealthReport``;
* :mod:`~helpgen.health.output`: the report as JSON and as one self-contained HTML page.

Import the submodules directly (``config`` imports ``thresholds`` without the rest).
"""
