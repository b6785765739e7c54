"""The governance gate: checkov (in-process, once over all stacks) plus config rules, findings mapped
to YAML lines, suppressions applied in our code, and reports."""
