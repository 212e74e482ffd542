"""The accounts pages: organisation, team, invitation and audit log."""
