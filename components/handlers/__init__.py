"""Code that runs in AWS Lambda, shipped by the components as inline archives."""
