"""What every serving-pattern construct is; the stack derives everything else from it.

The construct builds the model's resources from a ``ModelContext`` and says what to watch
(``alert_specs``) and what to chart (``dashboard_tiles``, a static method: the dashboard is made
before any model's construct, so alerts can link to it). Its ``spec`` (config/patterns.py) declares
the rest: the platform keys it needs, the dataset grants it relies on, starter thresholds, lifecycle
behaviour.
"""

from __future__ import annotations

from typing import Any, ClassVar

from constructs import Construct

from config.model import Model
from config.patterns import PatternSpec
from modules.monitoring.alerts import AlertSpec
from modules.serving.context import ModelContext


class ServingPattern(Construct):
    spec: ClassVar[PatternSpec]

    def __init__(self, scope: Construct, id: str, *, ctx: ModelContext) -> None:
        super().__init__(scope, id)
        self.ctx = ctx

    def alert_specs(self) -> list[AlertSpec]:
        """What to watch for this model; the alert factory makes each spec an actionable policy."""
        raise NotImplementedError

    @staticmethod
    def dashboard_tiles(team: str, env: str, model: Model) -> list[dict[str, Any]]:
        """This pattern's row of tiles in the team's Model Operations Center (quality tiles are added for all)."""
        raise NotImplementedError
