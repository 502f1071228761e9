"""`outreach web`: the local console (a face, like `outreach.cli`): pages over the same
service functions the commands call. `outreach.web.app` is the Starlette app,
`outreach.web.pages` what each page shows and each action calls, `outreach.web.server` the
listener (its own socket, never the public endpoint's)."""
