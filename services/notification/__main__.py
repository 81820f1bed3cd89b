"""``python -m services.notification``: serve the notification service."""

from services.notification.app import create_app
from services.notification.config import NotificationSettings
from shared.serve import serve

if __name__ == "__main__":
    serve(NotificationSettings(), create_app)
