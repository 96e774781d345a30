-- Runs once, when the MariaDB data directory is empty (official image: /docker-entrypoint-initdb.d).
-- The database `employees` and the application user come from MARIADB_DATABASE / MARIADB_USER /
-- MARIADB_PASSWORD, so no credential is written here. The table is the study's DDL; dept-api's own
-- migrations (DB_MIGRATE=true) are idempotent against it.
CREATE DATABASE IF NOT EXISTS employees;
USE employees;

CREATE TABLE IF NOT EXISTS departments (
  dept_no   varchar(40) NOT NULL PRIMARY KEY,
  dept_name varchar(40) NOT NULL UNIQUE
);

-- The MySQL "employees" sample rows (d001 is Marketing there; the team's copy said R&D).
INSERT IGNORE INTO departments (dept_no, dept_name) VALUES
  ('d001', 'Marketing'),
  ('d002', 'Finance'),
  ('d003', 'Human Resources'),
  ('d004', 'Production'),
  ('d005', 'Development'),
  ('d006', 'Quality Management'),
  ('d007', 'Sales'),
  ('d008', 'Research'),
  ('d009', 'Customer Service');
