"""The dbt project as Dagster sees it. Kept apart from the assets: `dagster-dbt project
prepare-and-package --file orchestration/dbt_project.py` builds the manifest from this module
before the module that needs the manifest (transform.py) is imported."""

import os
from pathlib import Path

from dagster_dbt import DbtProject

from extract_load.settings import dbt_profile_environment

__all__ = ["REPOSITORY", "dbt_project"]

REPOSITORY = Path(__file__).resolve().parents[1]

# The target comes from ELT_WAREHOUSE inside profiles/profiles.yml, as for the loaders.
dbt_project = DbtProject(
    project_dir=REPOSITORY / "dbt_project",
    profiles_dir=REPOSITORY / "profiles",
)
# Under `dagster dev` the manifest is re-parsed at start, and dbt reads the warehouse from the
# variables made from the project's own (profiles.yml); elsewhere `make` prepares it.
if dbt_project.preparer.using_dagster_dev():
    os.environ.update(dbt_profile_environment(os.environ))
dbt_project.prepare_if_dev()
