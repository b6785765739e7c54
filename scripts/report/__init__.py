"""`modelops report`: the scorecard and trends of one period as a static page a business owner reads in two minutes."""
