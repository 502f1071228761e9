"""`outreach demo`: a throwaway workspace, the daemon against a capture server, scripted replies."""
