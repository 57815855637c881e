"""The server-rendered dashboard: the national ranking (``views.national_index``), each
jurisdiction's page (``views.jurisdiction_detail`` with the reads of ``pages``), SVG charts
(``charts``) and Atom feeds (``feeds``)."""
