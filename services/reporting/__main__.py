"""``python -m services.reporting``: serve the reporting service."""

from services.reporting.app import create_app
from services.reporting.config import ReportingSettings
from shared.serve import serve

if __name__ == "__main__":
    serve(ReportingSettings(), create_app)
