"""Handing MQLs to sales: who gets a lead (routing), and later the notice and the answer."""
