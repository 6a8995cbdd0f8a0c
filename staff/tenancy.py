"""Whom staff's rows belong to (see portal.scoping)."""

from portal import scoping
from staff.models import CountyDepartment, DepartmentSection, Liaison, Office, Post, PostHolder, Staff, Window

scoping.register(CountyDepartment, county="county")
scoping.register(DepartmentSection, county="department__county")
scoping.register(Office, township="township")
scoping.register(Window, township="township")
scoping.register(Staff, township="township")
scoping.register(Post, township="township")
scoping.register(PostHolder, township="post__township")
# A liaison row belongs to the township whose post it is: the clerk keeps the table, the county reads it.
scoping.register(Liaison, township="post__township")
