"""The Flask web app: inbox, archive, modeler, public pages, REST API."""
