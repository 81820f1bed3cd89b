"""``python -m services.workflow``: serve the workflow service."""

from services.workflow.app import create_app
from services.workflow.config import WorkflowSettings
from shared.serve import serve

if __name__ == "__main__":
    serve(WorkflowSettings(), create_app)
