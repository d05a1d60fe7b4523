"""WSGI entry point: gunicorn wsgi:application, uwsgi module = wsgi:application."""

from app import app as application

if __name__ == "__main__":
    application.run()
