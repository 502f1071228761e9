"""The daemon behind `outreach run`: the scheduled jobs table, and the planner process that
renders due steps off the event loop."""
