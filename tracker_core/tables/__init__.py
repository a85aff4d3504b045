"""tables: pandas DataFrames and the dashboard's views over the flows' results, and the
notebook's `Workspace`. Importing a module here imports pandas, except `palette`
(the binding states, their labels, colours and terminal styles: a leaf every face
reads).

Imports `flows` and below; nothing imports it but the faces.
"""
