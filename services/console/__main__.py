"""``python -m services.console``: serve the console (console/dist) and proxy the services' APIs."""

from services.console.app import create_app
from services.console.config import ConsoleSettings
from shared.serve import serve

if __name__ == "__main__":
    serve(ConsoleSettings(), create_app)
