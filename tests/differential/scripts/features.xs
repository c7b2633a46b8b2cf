# Operations Xen 4.17's C daemon does not have: GET_FEATURE, SET_FEATURE,
# GET_QUOTA and SET_QUOTA (types 23 to 26, from Xen master). 4.17 answers
# ENOSYS; cxxenstored implements them, on purpose (docs/compatibility.md,
# "Newer operations").

a GET_FEATURE !newer-operations 0\0
a GET_FEATURE !newer-operations 1\0
a SET_FEATURE !newer-operations 1\x000\0
a GET_QUOTA !newer-operations \0
a GET_QUOTA !newer-operations 0\0
a GET_QUOTA !newer-operations 0\0nodes\0
a SET_QUOTA !newer-operations nodes\x001000\0
a GET_QUOTA !newer-operations ''
# Type numbers past every known one stay unknown everywhere.
a 27 ''
a 28 \0
a READ /\0
