"""Deploy fidelity: what AWS would reject at `pulumi up`, caught offline from resource records."""
