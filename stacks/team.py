"""TeamStack (`team-<team>-<env>`): one team's tenancy, identities, data and models in one environment."""
from __future__ import annotations

from constructs import Construct

from modules.metadata_dataset import CmekDataset
from modules.notification_channels import NotificationChannels
from modules.service_accounts import TeamServiceAccounts
from stacks import names
from stacks.base import ModelOpsStack
from stacks.config import Team
from stacks.models import add_models
from stacks.platform import PlatformStack


class TeamStack(ModelOpsStack):
    def __init__(self, scope: Construct, team: Team, env: str, platform: PlatformStack):
        project = team.environments[env].project_id
        super().__init__(scope, names.team_stack(team.name, env), env=platform.platform.environments[env],
                         project=project, region=platform.region, labels={"team": team.name})
        self.team = team
        self.add_dependency(platform)
        self.service_accounts = TeamServiceAccounts(self, "service-accounts", team=team.name, project=project)
        self.metadata = CmekDataset(
            self, "metadata",
            dataset_id=names.metadata_dataset_id(team.name),
            project=project,
            location=platform.region,
            kms_key_id=platform.keys.key("bigquery").id,
            description=f"{team.display_name}: prediction history, usage, quality, drift and ground truth.",
        )
        self.metadata.grant_write(self.service_accounts.member("pipeline"), "pipeline")
        self.channels = NotificationChannels(self, "channels", channels=team.notification_channels, project=project)
        self.models = add_models(self, platform)
