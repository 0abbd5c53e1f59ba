"""The dbt project as Dagster sees it. Kept apart from the assets: `dagster-dbt project
prepare-and-package --file orchestration/dbt_project.py` builds the manifest from this module
before the module that needs the manifest (transform.py) is imported."""

from pathlib import Path

from dagster_dbt import DbtProject

__all__ = ["REPOSITORY", "dbt_project"]

REPOSITORY = Path(__file__).resolve().parents[1]

# The target comes from ELT_WAREHOUSE inside profiles/profiles.yml, as for the loaders.
dbt_project = DbtProject(
    project_dir=REPOSITORY / "dbt_project",
    profiles_dir=REPOSITORY / "profiles",
)
# Under `dagster dev` the manifest is re-parsed at start; elsewhere `make` prepares it.
dbt_project.prepare_if_dev()
