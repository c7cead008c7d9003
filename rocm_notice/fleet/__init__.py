"""What monitoring and the login banner read: metrics for node_exporter, the motd line."""
