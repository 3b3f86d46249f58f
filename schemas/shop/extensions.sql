-- Tables xt:Commerce 3 / hhg-multistore lacks, for what the ERP sends beyond the shop's own tables.
-- `--format sql` puts the CREATE TABLE IF NOT EXISTS of each table it writes at the top of its script
-- (before the transaction: DDL commits); the direct database target runs the same statements.
-- No ENGINE and no CHARSET: the tables take the shop database's defaults, like the shop's own tables.
-- docs/shop-database.md describes every column.

-- Which shop category an ERP category (Warengruppe) became: found again after a rename or move.
CREATE TABLE IF NOT EXISTS erp_categories (
  erp_id VARCHAR(64) NOT NULL,
  categories_id INT NOT NULL,
  PRIMARY KEY (erp_id)
);

-- Net price of an article for one customer (customers.customers_cid = the ERP customer number).
CREATE TABLE IF NOT EXISTS customers_prices (
  products_id INT NOT NULL,
  customers_cid VARCHAR(32) NOT NULL,
  quantity INT NOT NULL DEFAULT 1,
  customers_price DECIMAL(15,4) NOT NULL,
  PRIMARY KEY (products_id, customers_cid, quantity)
);

-- Parts list (Stückliste) of a set article: component and how many of it.
CREATE TABLE IF NOT EXISTS products_bom (
  products_id INT NOT NULL,
  component_id INT NOT NULL,
  quantity DECIMAL(15,3) NOT NULL,
  PRIMARY KEY (products_id, component_id)
);

-- Stock of an article per warehouse (products.products_quantity holds the sum).
CREATE TABLE IF NOT EXISTS products_stock (
  products_id INT NOT NULL,
  warehouse VARCHAR(64) NOT NULL,
  quantity INT NOT NULL,
  PRIMARY KEY (products_id, warehouse)
);

-- Documents (PDF) of an article; the files are in the outbox's media folder.
CREATE TABLE IF NOT EXISTS products_documents (
  products_id INT NOT NULL,
  document_nr SMALLINT NOT NULL,
  document_name VARCHAR(254) NOT NULL,
  document_title VARCHAR(255),
  PRIMARY KEY (products_id, document_nr)
);

-- Parcels of an order (as modified eCommerce 2's orders_tracking): carrier and parcel number.
CREATE TABLE IF NOT EXISTS orders_tracking (
  tracking_id INT NOT NULL AUTO_INCREMENT,
  orders_id INT NOT NULL,
  carrier_id INT,
  carrier_name VARCHAR(64),
  parcel_id VARCHAR(80) NOT NULL,
  tracking_link VARCHAR(255),
  date_added DATETIME,
  PRIMARY KEY (tracking_id),
  KEY idx_orders_tracking_orders_id (orders_id)
);

-- ERP documents (invoices, delivery notes, ...) shown in the customer's account.
CREATE TABLE IF NOT EXISTS customers_documents (
  customers_id INT NOT NULL,
  customers_cid VARCHAR(32) NOT NULL,
  document_type VARCHAR(32) NOT NULL,
  document_title VARCHAR(64),
  document_number VARCHAR(64) NOT NULL,
  document_date DATE NOT NULL,
  orders_id INT,
  erp_order_number VARCHAR(64),
  amount_net DECIMAL(15,2),
  amount_tax DECIMAL(15,2),
  amount_gross DECIMAL(15,2) NOT NULL,
  currency CHAR(3) NOT NULL,
  file_name VARCHAR(254) NOT NULL,
  download_path VARCHAR(255),
  PRIMARY KEY (document_type, document_number)
);

-- Orders placed in the ERP (phone, fax, counter), shown in the customer's account next to shop orders.
CREATE TABLE IF NOT EXISTS erp_orders (
  erp_order_number VARCHAR(64) NOT NULL,
  order_channel VARCHAR(32),
  customers_id INT NOT NULL,
  customers_cid VARCHAR(32) NOT NULL,
  customers_email_address VARCHAR(96),
  date_purchased DATETIME NOT NULL,
  orders_status INT NOT NULL DEFAULT 1,
  payment_method VARCHAR(32),
  shipping_method VARCHAR(64),
  currency CHAR(3) NOT NULL,
  order_total_net DECIMAL(15,2),
  order_tax DECIMAL(15,2),
  order_total DECIMAL(15,2) NOT NULL,
  billing_company VARCHAR(64), billing_firstname VARCHAR(64), billing_lastname VARCHAR(64),
  billing_street_address VARCHAR(64), billing_postcode VARCHAR(10), billing_city VARCHAR(64),
  billing_country_iso_code_2 CHAR(2),
  delivery_company VARCHAR(64), delivery_firstname VARCHAR(64), delivery_lastname VARCHAR(64),
  delivery_street_address VARCHAR(64), delivery_postcode VARCHAR(10), delivery_city VARCHAR(64),
  delivery_country_iso_code_2 CHAR(2),
  comments TEXT,
  PRIMARY KEY (erp_order_number)
);

CREATE TABLE IF NOT EXISTS erp_orders_products (
  erp_order_number VARCHAR(64) NOT NULL,
  position INT NOT NULL,
  products_model VARCHAR(64) NOT NULL,
  products_name VARCHAR(255),
  products_quantity DECIMAL(15,3) NOT NULL,
  products_price DECIMAL(15,2) NOT NULL,
  final_price DECIMAL(15,2) NOT NULL,
  products_tax DECIMAL(7,4),
  PRIMARY KEY (erp_order_number, position)
);
