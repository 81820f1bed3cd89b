"""The console's server (:8080): the built web application and the four services' APIs under one origin."""
