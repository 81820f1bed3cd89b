"""``python -m services.ledger``: serve the ledger service."""

from services.ledger.app import create_app
from services.ledger.config import LedgerSettings
from shared.serve import serve

if __name__ == "__main__":
    serve(LedgerSettings(), create_app)
