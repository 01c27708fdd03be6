"""Statistics, repeated-prompt detection, figures and the HTML report over any chat dataset.

`build_report(inputs, out, options)` is what `wildchat report` runs; `embeddings.embed_texts` and
`embeddings.project_2d` are reused by the explorer. See docs/analysis.md.
"""

from wildchat.analyze.report import DatasetInput, ReportOptions, ReportResult, build_report

__all__ = ["DatasetInput", "ReportOptions", "ReportResult", "build_report"]
