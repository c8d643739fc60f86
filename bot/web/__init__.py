"""The web app's parts served to browsers."""
