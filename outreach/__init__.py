"""outreach: influencer-outreach automation and CRM-style email engine."""

__version__ = "0.1.0"
