export * from './department';
export * from './identity';
export * from './dto/department.dto';
